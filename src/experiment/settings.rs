//! Reading experiment settings from untrusted JSON, one field at a time, so that every bad
//! value is reported against its own field with the reason and the accepted range.

use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt;
use std::str::FromStr;

/// A setting that was rejected, with a message meant for the person who typed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The setting's key, as in the config JSON (`learning_rate`, `domain`, ...).
    pub field: String,
    /// The problem with the value and the value to enter instead.
    pub message: String,
}

impl FieldError {
    /// Creates an error for `field`.
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self { field: field.to_string(), message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Returns `Ok(())` when `errors` is empty, or else the errors.
pub fn to_result(errors: Vec<FieldError>) -> Result<(), Vec<FieldError>> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Joins errors into one line per field, for stderr and exceptions.
pub fn describe(errors: &[FieldError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}

/// A JSON object of settings whose fields are taken one by one; errors pile up in `errors`.
pub struct Reader<'a> {
    object: &'a Map<String, Value>,
    /// Every rejected field so far.
    pub errors: Vec<FieldError>,
}

impl<'a> Reader<'a> {
    /// Starts reading `value`, which must be a JSON object.
    pub fn new(value: &'a Value) -> Result<Self, Vec<FieldError>> {
        match value.as_object() {
            Some(object) => Ok(Self { object, errors: Vec::new() }),
            None => Err(vec![FieldError::new("config", "expected a JSON object of settings")]),
        }
    }

    /// Rejects every key not in `known`, so a misspelt setting is not silently ignored.
    pub fn reject_unknown(&mut self, known: &[&str]) {
        for key in self.object.keys().filter(|key| !known.contains(&key.as_str())) {
            let message = format!("unknown setting; known settings are {}", known.join(", "));
            self.errors.push(FieldError::new(&shorten(key), message));
        }
    }

    /// Reads a number, keeping `default` when the field is absent or invalid.
    pub fn number(&mut self, field: &str, default: f64) -> f64 {
        match self.object.get(field) {
            None => default,
            Some(Value::Number(number)) => number.as_f64().unwrap_or(default),
            Some(other) => {
                self.reject(field, format!("{} is not a number", preview(other)), default)
            }
        }
    }

    /// Reads a whole number in `[min, max]`, keeping `default` when absent or invalid.
    pub fn integer(&mut self, field: &str, default: u64, [min, max]: [u64; 2]) -> u64 {
        let value = match self.object.get(field) {
            None => return default,
            Some(value) => value,
        };
        let whole = value.as_u64().or_else(|| {
            let float = value.as_f64()?;
            // u64::MAX as f64 rounds up to 2^64, which is itself beyond u64's range.
            (float.fract() == 0.0 && (0.0..u64::MAX as f64).contains(&float))
                .then_some(float as u64)
        });
        // A whole number beyond u64, such as -5 or 1e23, is out of range rather than not whole.
        let beyond = value.as_f64().is_some_and(|float| float.is_finite() && float.fract() == 0.0);
        match whole {
            Some(whole) if (min..=max).contains(&whole) => whole,
            Some(whole) => self.reject(
                field,
                format!("{whole} is out of range; enter a whole number from {min} to {max}"),
                default,
            ),
            None if beyond => self.reject(
                field,
                format!(
                    "{} is out of range; enter a whole number from {min} to {max}",
                    preview(value)
                ),
                default,
            ),
            None => self.reject(
                field,
                format!("{} is not a whole number from {min} to {max}", preview(value)),
                default,
            ),
        }
    }

    /// Reads a name and parses it with `T::from_str`, keeping `default` when absent or invalid.
    pub fn choice<T: FromStr<Err = String>>(&mut self, field: &str, default: T) -> T {
        match self.object.get(field) {
            None => default,
            Some(Value::String(name)) => match name.parse() {
                Ok(parsed) => parsed,
                Err(message) => self.reject(field, message, default),
            },
            Some(other) => self.reject(field, format!("{} is not a name", preview(other)), default),
        }
    }

    /// Reads a pair of numbers `[low, high]`, keeping `default` when absent or malformed.
    pub fn pair(&mut self, field: &str, default: [f64; 2]) -> [f64; 2] {
        let Some(value) = self.object.get(field) else {
            return default;
        };
        let numbers: Option<Vec<f64>> =
            value.as_array().and_then(|items| items.iter().map(Value::as_f64).collect());
        match numbers.as_deref() {
            Some(&[low, high]) => [low, high],
            _ => self.reject(
                field,
                format!("{} is not a pair of numbers [low, high]", preview(value)),
                default,
            ),
        }
    }

    /// Returns `value` when no field was rejected and `check` passed, or else every error.
    pub fn finish<T>(
        self,
        value: T,
        check: Result<(), Vec<FieldError>>,
    ) -> Result<T, Vec<FieldError>> {
        let mut errors = self.errors;
        errors.extend(check.err().unwrap_or_default());
        to_result(errors).map(|()| value)
    }

    /// Records an error for `field` and returns `fallback`.
    pub fn reject<T>(&mut self, field: &str, message: impl Into<String>, fallback: T) -> T {
        self.errors.push(FieldError::new(field, message));
        fallback
    }
}

/// Renders a JSON value for an error message, cut to a readable length.
fn preview(value: &Value) -> String {
    shorten(&value.to_string())
}

/// Cuts untrusted text to 40 characters so an error message stays readable.
fn shorten(text: &str) -> String {
    let mut short: String = text.chars().take(40).collect();
    if short.len() < text.len() {
        short.push_str("...");
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Returns the message of reading `value` as a whole number from 2 to 1000.
    fn integer_message(value: Value) -> String {
        let object = json!({ "count": value });
        let mut reader = Reader::new(&object).expect("an object");
        reader.integer("count", 10, [2, 1000]);
        reader.errors.first().map(|error| error.message.clone()).unwrap_or_default()
    }

    #[test]
    fn whole_numbers_out_of_range() {
        let range = "is out of range; enter a whole number from 2 to 1000";
        assert_eq!(integer_message(json!(1)), format!("1 {range}"));
        assert_eq!(integer_message(json!(-5)), format!("-5 {range}"));
        assert_eq!(integer_message(json!(1e23)), format!("1e+23 {range}"));
        assert_eq!(integer_message(json!(2.5)), "2.5 is not a whole number from 2 to 1000");
        assert_eq!(integer_message(json!("7")), "\"7\" is not a whole number from 2 to 1000");
        assert_eq!(integer_message(json!(7)), "");
    }
}
