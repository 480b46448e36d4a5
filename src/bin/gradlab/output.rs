//! Writing result files: the output folder, CSV tables, JSON and SVG figures.

use crate::cli::Failure;
use gradlab::plot::{self, Figure};
use std::fs;
use std::path::{Path, PathBuf};

/// Size of the SVG figures, in pixels.
pub const FIGURE_SIZE: (u32, u32) = (800, 500);

/// The folder that receives a run's files.
pub struct OutputDir {
    path: PathBuf,
}

impl OutputDir {
    /// Creates `path` and its parents if needed.
    pub fn create(path: &Path) -> Result<Self, Failure> {
        fs::create_dir_all(path).map_err(|error| {
            Failure::Runtime(format!("cannot create output folder {}: {error}", path.display()))
        })?;
        Ok(Self { path: path.to_path_buf() })
    }

    /// Writes `contents` to the file `name` in the folder and returns its path.
    pub fn write(&self, name: &str, contents: &str) -> Result<PathBuf, Failure> {
        let path = self.path.join(name);
        fs::write(&path, contents).map_err(|error| {
            Failure::Runtime(format!("cannot write {}: {error}", path.display()))
        })?;
        Ok(path)
    }

    /// Writes `contents` to the file `name` in the folder.
    pub fn write_bytes(&self, name: &str, contents: &[u8]) -> Result<(), Failure> {
        let path = self.path.join(name);
        fs::write(&path, contents)
            .map_err(|error| Failure::Runtime(format!("cannot write {}: {error}", path.display())))
    }

    /// Draws `figure` into the SVG file `name` in the folder, at [`FIGURE_SIZE`].
    pub fn write_svg(&self, name: &str, figure: &Figure) -> Result<PathBuf, Failure> {
        self.write_svg_sized(name, figure, FIGURE_SIZE)
    }

    /// Draws `figure` into the SVG file `name` in the folder, at `size` pixels.
    pub fn write_svg_sized(
        &self,
        name: &str,
        figure: &Figure,
        size: (u32, u32),
    ) -> Result<PathBuf, Failure> {
        let path = self.path.join(name);
        plot::write_svg(&path, size, figure).map_err(|error| {
            Failure::Runtime(format!("cannot write {}: {error}", path.display()))
        })?;
        Ok(path)
    }
}

/// Builds CSV text from a header and rows of already formatted cells.
pub fn csv(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut text = header.join(",");
    text.push('\n');
    for row in rows {
        text.push_str(&row.join(","));
        text.push('\n');
    }
    text
}
