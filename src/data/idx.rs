//! The IDX format of the MNIST files: a big-endian header, then unsigned bytes. Raw or
//! gzipped files are accepted. Nothing is allocated from a size the header claims before
//! the bytes behind that claim have been seen.

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::fmt;
use std::io::{Read, Write};

/// The largest decompressed IDX file accepted, in bytes: room for the 60,000 training images
/// of full MNIST (47 MB) with a wide margin, while a forged gzip cannot fill the memory.
pub const MAX_BYTES: usize = 256 << 20;

/// Type code of unsigned bytes, the only element type MNIST uses.
const UNSIGNED_BYTE: u8 = 0x08;

/// A parsed IDX file: its dimensions and its bytes in row-major order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxArray {
    /// Size of each dimension, the first being the item count.
    pub dims: Vec<usize>,
    /// The items, `dims.iter().product()` bytes.
    pub data: Vec<u8>,
}

/// A reason that bytes are not a valid IDX file of unsigned bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdxError {
    /// Fewer than the 4 bytes of the magic number.
    TooShort,
    /// The first two bytes are not zero.
    BadMagic([u8; 4]),
    /// The element type is not unsigned bytes.
    UnsupportedType(u8),
    /// The file has no dimensions.
    NoDimensions,
    /// The header ends before all its dimensions.
    TruncatedHeader { dims: usize },
    /// The dimensions multiply to more bytes than [`MAX_BYTES`].
    TooLarge { dims: Vec<usize> },
    /// The body contains fewer bytes than the header claims.
    TruncatedBody { expected: usize, found: usize },
    /// Bytes follow the last item.
    TrailingBytes { expected: usize },
    /// The gzip stream is corrupt.
    BadGzip(String),
    /// The decompressed file exceeds [`MAX_BYTES`].
    GzipTooLarge,
}

impl fmt::Display for IdxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdxError::TooShort => write!(f, "too short to be an IDX file (under 4 bytes)"),
            IdxError::BadMagic(magic) => write!(
                f,
                "bad magic number {:02x} {:02x} {:02x} {:02x}: not an IDX file (expected 00 00 08 0N)",
                magic[0], magic[1], magic[2], magic[3]
            ),
            IdxError::UnsupportedType(code) => {
                write!(f, "element type code 0x{code:02x} is not unsigned bytes (0x08)")
            }
            IdxError::NoDimensions => write!(f, "the header declares no dimensions"),
            IdxError::TruncatedHeader { dims } => {
                write!(f, "truncated header: it ends before its {dims} dimensions")
            }
            IdxError::TooLarge { dims } => {
                write!(f, "dimensions {dims:?} describe more than {} MiB", MAX_BYTES >> 20)
            }
            IdxError::TruncatedBody { expected, found } => write!(
                f,
                "truncated: the header promises {expected} data bytes but the file has {found}"
            ),
            IdxError::TrailingBytes { expected } => {
                write!(f, "unexpected bytes after the {expected} data bytes the header promises")
            }
            IdxError::BadGzip(reason) => write!(f, "corrupt gzip data: {reason}"),
            IdxError::GzipTooLarge => {
                write!(f, "decompresses to more than {} MiB", MAX_BYTES >> 20)
            }
        }
    }
}

impl std::error::Error for IdxError {}

/// Parses an IDX file of unsigned bytes, gunzipping it first if it starts with the gzip
/// magic number.
pub fn parse(bytes: &[u8]) -> Result<IdxArray, IdxError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        parse_raw(&gunzip(bytes)?)
    } else {
        parse_raw(bytes)
    }
}

/// Decompresses gzip data, reading at most [`MAX_BYTES`].
fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, IdxError> {
    let mut output = Vec::new();
    GzDecoder::new(bytes)
        .take(MAX_BYTES as u64 + 1)
        .read_to_end(&mut output)
        .map_err(|error| IdxError::BadGzip(error.to_string()))?;
    if output.len() > MAX_BYTES {
        return Err(IdxError::GzipTooLarge);
    }
    Ok(output)
}

/// Parses an uncompressed IDX file of unsigned bytes.
fn parse_raw(bytes: &[u8]) -> Result<IdxArray, IdxError> {
    let magic: [u8; 4] = bytes.get(..4).ok_or(IdxError::TooShort)?.try_into().expect("4 bytes");
    if magic[0] != 0 || magic[1] != 0 {
        return Err(IdxError::BadMagic(magic));
    }
    if magic[2] != UNSIGNED_BYTE {
        return Err(IdxError::UnsupportedType(magic[2]));
    }
    let dim_count = usize::from(magic[3]);
    if dim_count == 0 {
        return Err(IdxError::NoDimensions);
    }

    let header_len = 4 + 4 * dim_count;
    let header = bytes.get(4..header_len).ok_or(IdxError::TruncatedHeader { dims: dim_count })?;
    let dims: Vec<usize> = header
        .chunks_exact(4)
        .map(|word| u32::from_be_bytes(word.try_into().expect("4 bytes")) as usize)
        .collect();
    let expected = dims
        .iter()
        .try_fold(1usize, |product, &dim| product.checked_mul(dim))
        .filter(|&size| size <= MAX_BYTES)
        .ok_or_else(|| IdxError::TooLarge { dims: dims.clone() })?;

    let body = &bytes[header_len..];
    if body.len() < expected {
        return Err(IdxError::TruncatedBody { expected, found: body.len() });
    }
    if body.len() > expected {
        return Err(IdxError::TrailingBytes { expected });
    }
    Ok(IdxArray { dims, data: body.to_vec() })
}

/// Encodes unsigned bytes of shape `dims` as an IDX file.
pub fn encode(dims: &[usize], data: &[u8]) -> Vec<u8> {
    assert_eq!(dims.iter().product::<usize>(), data.len(), "dims must match the data length");
    let mut bytes = vec![0, 0, UNSIGNED_BYTE, dims.len() as u8];
    for &dim in dims {
        bytes.extend_from_slice(&(dim as u32).to_be_bytes());
    }
    bytes.extend_from_slice(data);
    bytes
}

/// Compresses `bytes` with gzip at the best compression level.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes).expect("writing to memory cannot fail");
    encoder.finish().expect("writing to memory cannot fail")
}
