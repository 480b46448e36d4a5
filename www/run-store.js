// IndexedDB storage of saved runs: one object store of records keyed by their id. Every method
// returns a promise that rejects with a StorageError naming what failed, so callers can keep
// training when the browser rejects storage (full quota, blocked by a setting).

const DATABASE_NAME = 'gradlab';
const DATABASE_VERSION = 1;
const STORE_NAME = 'runs';

// A database that another tab holds open at an older version blocks the upgrade. The page
// gives up after this long rather than waiting for the user to close that tab.
const OPEN_TIMEOUT_MS = 5000;

export class StorageError extends Error {
  /** `cause` is the DOMException or other error that IndexedDB raised, if any. */
  constructor(message, cause) {
    super(cause?.name ? `${message} (${cause.name})` : message);
    this.name = 'StorageError';
    this.quota = cause?.name === 'QuotaExceededError';
  }
}

/**
 * Makes a request with `makeRequest()` and returns a promise of its result. A request that
 * throws at once, such as put with a record that cannot be cloned, rejects the same way.
 */
function settle(makeRequest, what) {
  return new Promise((resolve, reject) => {
    let request;
    try {
      request = makeRequest();
    } catch (error) {
      reject(new StorageError(`${what} failed`, error));
      return;
    }
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(new StorageError(`${what} failed`, request.error));
  });
}

/** Resolves when `transaction` commits, so a write is on disk before the caller goes on. */
function committed(transaction, what) {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onabort = () => reject(new StorageError(`${what} failed`, transaction.error));
    transaction.onerror = () => reject(new StorageError(`${what} failed`, transaction.error));
  });
}

/** Opens the database, creating the store on first use. Rejects with a StorageError. */
function openDatabase() {
  return new Promise((resolve, reject) => {
    let request;
    try {
      request = indexedDB.open(DATABASE_NAME, DATABASE_VERSION);
    } catch (error) {
      // Where storage is blocked, open can throw (a SecurityError) instead of failing later.
      reject(new StorageError('Opening IndexedDB failed', error));
      return;
    }
    const timer = setTimeout(() => {
      reject(
        new StorageError(
          `Opening IndexedDB timed out after ${OPEN_TIMEOUT_MS / 1000} s, perhaps because ` +
            'another gradlab tab keeps an older version open',
        ),
      );
    }, OPEN_TIMEOUT_MS);
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(STORE_NAME)) {
        request.result.createObjectStore(STORE_NAME, { keyPath: 'id' });
      }
    };
    request.onsuccess = () => {
      clearTimeout(timer);
      resolve(request.result);
    };
    request.onerror = () => {
      clearTimeout(timer);
      reject(new StorageError('Opening IndexedDB failed', request.error));
    };
  });
}

export class RunStore {
  constructor(database) {
    this.database = database;
    // A newer page in another tab may upgrade the database, so this one closes its connection.
    database.onversionchange = () => database.close();
  }

  /** Opens the store. Rejects with a StorageError when IndexedDB is missing or fails. */
  static async open() {
    if (typeof indexedDB === 'undefined' || indexedDB === null) {
      throw new StorageError('IndexedDB is missing in this browser');
    }
    return new RunStore(await openDatabase());
  }

  /** Runs `work(store)` in a transaction and resolves with its result once committed. */
  async transact(mode, what, work) {
    let transaction;
    try {
      transaction = this.database.transaction(STORE_NAME, mode);
    } catch (error) {
      throw new StorageError(`${what} failed`, error);
    }
    // Promise.all handles both rejections, so a failed request and the abort it causes do not
    // leave one of them unhandled.
    const [result] = await Promise.all([
      work(transaction.objectStore(STORE_NAME)),
      committed(transaction, what),
    ]);
    return result;
  }

  /** Writes `record`, replacing the one with the same id. */
  put(record) {
    return this.transact('readwrite', 'Saving a run', (store) =>
      settle(() => store.put(record), 'Saving a run'),
    );
  }

  /** Returns every stored value with its key, as `{key, value}`, in key order. */
  readAll() {
    return this.transact('readonly', 'Reading saved runs', (store) =>
      Promise.all([
        settle(() => store.getAllKeys(), 'Reading saved runs'),
        settle(() => store.getAll(), 'Reading saved runs'),
      ]).then(([keys, values]) => keys.map((key, index) => ({ key, value: values[index] }))),
    );
  }

  /** Deletes the records with the given keys. */
  delete(keys) {
    return this.transact('readwrite', 'Deleting saved runs', (store) =>
      Promise.all(keys.map((key) => settle(() => store.delete(key), 'Deleting a saved run'))),
    );
  }
}
