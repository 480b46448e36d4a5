//! The CPU engines gradlab can train on, chosen at run time.

use burn::prelude::Device;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A burn CPU engine. Both compile to wasm32 and natively.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// burn's `flex` engine, the fastest pure-Rust CPU engine in burn 0.22.
    #[default]
    Flex,
    /// burn's `ndarray` engine, deprecated upstream but kept as a cross-check.
    Ndarray,
}

impl Engine {
    /// Every engine, in the order the page lists them.
    pub const ALL: [Engine; 2] = [Engine::Flex, Engine::Ndarray];

    /// Returns the engine's name as used on the command line, in URLs and in files.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Flex => "flex",
            Engine::Ndarray => "ndarray",
        }
    }

    /// Returns a differentiable device of this engine.
    #[allow(deprecated)] // burn 0.22 deprecates ndarray in favour of flex; it stays selectable.
    pub fn autodiff_device(self) -> Device {
        match self {
            Engine::Flex => Device::flex().autodiff(),
            Engine::Ndarray => Device::ndarray().autodiff(),
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Engine {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Engine::ALL
            .into_iter()
            .find(|engine| engine.name() == name)
            .ok_or_else(|| format!("unknown engine '{name}'; expected flex or ndarray"))
    }
}
