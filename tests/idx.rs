//! Tests of the IDX reader against files built by hand, broken files, and random bytes.
#![cfg(not(target_arch = "wasm32"))]

use gradlab::data::idx::{self, IdxError};
use gradlab::data::mnist::Digits;
use proptest::prelude::*;

/// Builds an IDX header by hand: magic with `type_code` and the dimensions.
fn header(type_code: u8, dims: &[u32]) -> Vec<u8> {
    let mut bytes = vec![0, 0, type_code, dims.len() as u8];
    for dim in dims {
        bytes.extend_from_slice(&dim.to_be_bytes());
    }
    bytes
}

fn images_file(count: u32) -> Vec<u8> {
    let mut bytes = header(0x08, &[count, 28, 28]);
    bytes.extend((0..count as usize * 784).map(|i| (i % 251) as u8));
    bytes
}

fn labels_file(labels: &[u8]) -> Vec<u8> {
    let mut bytes = header(0x08, &[labels.len() as u32]);
    bytes.extend_from_slice(labels);
    bytes
}

fn digits(images: &[u8], labels: &[u8]) -> Result<Digits, String> {
    Digits::from_idx(("images.idx", images), ("labels.idx", labels)).map_err(|e| e.to_string())
}

#[test]
fn hand_built_file_parses() {
    let bytes = [0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6];
    let array = idx::parse(&bytes).unwrap();
    assert_eq!(array.dims, vec![2, 3]);
    assert_eq!(array.data, vec![1, 2, 3, 4, 5, 6]);
}

#[test]
fn encode_then_parse_round_trips() {
    let data: Vec<u8> = (0..60).collect();
    let raw = idx::encode(&[3, 4, 5], &data);
    assert_eq!(idx::parse(&raw).unwrap().data, data);
    assert_eq!(idx::parse(&idx::gzip(&raw)).unwrap().dims, vec![3, 4, 5]);
}

#[test]
fn valid_pair_loads() {
    let loaded = digits(&idx::gzip(&images_file(3)), &labels_file(&[7, 0, 9])).unwrap();
    assert_eq!(loaded.len(), 3);
    assert_eq!(loaded.labels, vec![7, 0, 9]);
    assert_eq!(loaded.image(1)[0], (784 % 251) as u8);
}

#[test]
fn reader_rejects_broken_headers() {
    let cases: Vec<(Vec<u8>, IdxError)> = vec![
        (vec![0, 0], IdxError::TooShort),
        (vec![0x50, 0x4b, 3, 4, 0], IdxError::BadMagic([0x50, 0x4b, 3, 4])),
        (header(0x0D, &[2]), IdxError::UnsupportedType(0x0D)),
        (header(0x08, &[]), IdxError::NoDimensions),
        (vec![0, 0, 8, 3, 0, 0, 0, 1], IdxError::TruncatedHeader { dims: 3 }),
        (
            header(0x08, &[u32::MAX, u32::MAX, u32::MAX]),
            IdxError::TooLarge { dims: vec![u32::MAX as usize; 3] },
        ),
        (
            header(0x08, &[60000, 28, 28]),
            IdxError::TruncatedBody { expected: 47_040_000, found: 0 },
        ),
        ([header(0x08, &[2]), vec![1, 2, 3]].concat(), IdxError::TrailingBytes { expected: 2 }),
    ];
    for (bytes, expected) in cases {
        assert_eq!(idx::parse(&bytes), Err(expected), "{bytes:?}");
    }
}

#[test]
fn corrupt_gzip_is_rejected() {
    let mut bytes = idx::gzip(&labels_file(&[1, 2, 3]));
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    bytes.truncate(bytes.len() - 4);
    assert!(matches!(idx::parse(&bytes), Err(IdxError::BadGzip(_))));
}

#[test]
fn gzip_bomb_is_cut_off() {
    // 300 MiB of zeros compress to about 300 KiB; the reader stops at its limit.
    let zeros = vec![0u8; 300 << 20];
    let bomb = idx::gzip(&zeros);
    assert_eq!(idx::parse(&bomb), Err(IdxError::GzipTooLarge));
}

#[test]
fn digit_files_are_checked_together() {
    let images = images_file(2);
    let cases: [(&[u8], &[u8], &str); 5] = [
        (&images, &labels_file(&[1, 10]), "label 10 at position 1 is above 9"),
        (&images, &labels_file(&[1, 2, 3]), "holds 3 labels but images.idx holds 2 images"),
        (&labels_file(&[1, 2]), &labels_file(&[1, 2]), "images must be [count, 28, 28]"),
        (&images, &images, "labels must be [count]"),
        (
            &[header(0x08, &[2, 28, 27]), vec![0; 2 * 28 * 27]].concat(),
            &labels_file(&[1, 2]),
            "[2, 28, 27]",
        ),
    ];
    for (images, labels, expected) in cases {
        let error = digits(images, labels).expect_err(expected);
        assert!(error.contains(expected), "expected '{expected}' in '{error}'");
    }
}

#[test]
fn errors_name_the_file() {
    let error = digits(&images_file(1), &[0, 0, 8]).unwrap_err();
    assert!(error.starts_with("labels.idx: "), "{error}");
    let error = digits(&[1, 2, 3, 4], &labels_file(&[1])).unwrap_err();
    assert!(error.starts_with("images.idx: bad magic number"), "{error}");
}

/// Edge cases of the header arithmetic and of gzip framing, kept as regression tests.
#[test]
fn header_edge_cases() {
    let too_large = IdxError::TooLarge { dims: vec![u32::MAX as usize] };
    type Case<'a> = (&'a [u8], Result<Vec<usize>, IdxError>);
    let cases: [Case; 5] = [
        (&[0, 0, 8, 255], Err(IdxError::TruncatedHeader { dims: 255 })),
        (&[0, 0, 8, 1, 255, 255, 255, 255], Err(too_large)),
        (&[0, 0, 8, 4, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0], Ok(vec![65536, 1, 1, 0])),
        (&[0x1f, 0x8b], Err(IdxError::BadGzip("unexpected end of file".to_string()))),
        (&[0, 0, 8, 1, 0, 0, 0, 0], Ok(vec![0])),
    ];
    for (bytes, expected) in cases {
        assert_eq!(idx::parse(bytes).map(|array| array.dims), expected, "{bytes:?}");
    }
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = idx::parse(&bytes);
        let _ = idx::parse(&[&[0x1f, 0x8b][..], &bytes].concat());
    }

    #[test]
    fn random_headers_never_panic(dims in proptest::collection::vec(any::<u32>(), 0..6), body in 0usize..64) {
        let mut bytes = header(0x08, &dims);
        bytes.extend(std::iter::repeat_n(7u8, body));
        if let Ok(array) = idx::parse(&bytes) {
            prop_assert_eq!(array.data.len(), array.dims.iter().product::<usize>());
        }
    }

    #[test]
    fn mutated_files_never_panic(position in 0usize..(16 + 784), value in any::<u8>(), cut in 0usize..900) {
        let mut images = images_file(1);
        images[position] = value;
        images.truncate(cut.max(4));
        let _ = digits(&images, &labels_file(&[3]));
        let _ = digits(&idx::gzip(&images), &labels_file(&[3]));
    }
}
