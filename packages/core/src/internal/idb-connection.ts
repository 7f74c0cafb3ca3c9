import type { UseStore } from 'idb-keyval';

/** A lazily opened connection to one object store, in the shape idb-keyval's functions take. */
export interface Connection {
  /** Runs `callback` in a fresh transaction; pass it to idb-keyval's `get`, `update`, … as the store. */
  readonly use: UseStore;
  /** Closes the connection now; the next `use` opens a new one. */
  close(): void;
}

/** Rejects with a `TimeoutError` if `promise` has not settled within `ms`. */
export function timeBox<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new DOMException(`${what} took over ${ms} ms`, 'TimeoutError')), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Opens `name` on `factory` and makes sure it has `storeName`.
 *
 * Opening is time-boxed because a broken IndexedDB may never answer (Safari has hung `open` at start-up,
 * some private modes leave it pending). A connection that arrives after we gave up is closed at once so
 * it cannot block a later `deleteDatabase`.
 */
function openDatabase(
  factory: IDBFactory,
  name: string,
  storeName: string,
  ms: number,
  version?: number,
): Promise<IDBDatabase> {
  return new Promise<IDBDatabase>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(new DOMException(`opening IndexedDB "${name}" took over ${ms} ms`, 'TimeoutError'));
    }, ms);
    const fail = (error: unknown) => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      reject(error instanceof Error ? error : new DOMException(`cannot open IndexedDB "${name}"`, 'UnknownError'));
    };
    let request: IDBOpenDBRequest;
    try {
      // Some private modes throw here synchronously instead of failing the request.
      request = version === undefined ? factory.open(name) : factory.open(name, version);
    } catch (error) {
      fail(error);
      return;
    }
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(storeName)) db.createObjectStore(storeName);
    };
    request.onerror = () => fail(request.error);
    request.onblocked = () => {
      // Only an upgrade (below) can be blocked; the time box bounds the wait.
    };
    request.onsuccess = () => {
      const db = request.result;
      if (settled) {
        db.close();
        return;
      }
      if (db.objectStoreNames.contains(storeName)) {
        clearTimeout(timer);
        settled = true;
        resolve(db);
        return;
      }
      // The database exists without our store (made by something else, or an upgrade that aborted):
      // add it with a version bump rather than failing every transaction with NotFoundError.
      const next = db.version + 1;
      db.close();
      clearTimeout(timer);
      settled = true;
      openDatabase(factory, name, storeName, ms, next).then(resolve, reject);
    };
  });
}

/**
 * A connection to `name`/`storeName` on an injected `IDBFactory`, opened on first use and again after
 * every close; `register`, if given, runs with every open.
 *
 * idb-keyval's own `createStore` is not used because it reads the global `indexedDB` (ours is injected)
 * and keeps its connection open forever without an `onversionchange` handler, which leaves any
 * `deleteDatabase` — a logout in another tab, or `wipeSite` in this one — blocked until the page
 * closes. Here the connection closes itself when another connection wants to delete or upgrade the
 * database, and the next use simply opens a new one.
 */
export function connect(
  factory: IDBFactory,
  name: string,
  storeName: string,
  ms: number,
  register?: () => Promise<unknown>,
): Connection {
  let dbp: Promise<IDBDatabase> | undefined;

  // Only the promise that is still current may be dropped: a stale close event must not make us
  // forget a newer connection.
  const forget = (opening: Promise<IDBDatabase>) => {
    if (dbp === opening) dbp = undefined;
  };

  const getDB = (): Promise<IDBDatabase> => {
    if (dbp) return dbp;
    // `register` records the name where `wipeSite` can find it (browsers without `databases()`). It
    // runs beside the open, not before it, so a hanging IndexedDB costs one time box, not two; and
    // its failure is not ours to report: the store works without it.
    const registering = register
      ? timeBox(register(), ms, 'registering the database').catch(() => undefined)
      : undefined;
    const opening: Promise<IDBDatabase> = Promise.all([openDatabase(factory, name, storeName, ms), registering]).then(
      ([db]) => {
        // Another connection wants to delete or upgrade: step aside instead of blocking it.
        db.onversionchange = () => {
          forget(opening);
          db.close();
        };
        // It seems Safari sometimes closes the connection by itself; it should fire this event when it
        // does (the same note idb-keyval carries). Forget it so the next call reopens.
        db.onclose = () => forget(opening);
        return db;
      },
    );
    dbp = opening;
    opening.catch(() => forget(opening));
    return opening;
  };

  const use: UseStore = async (txMode, callback) => {
    const opening = getDB();
    let transaction: IDBTransaction;
    try {
      transaction = (await opening).transaction(storeName, txMode);
    } catch (error) {
      // A connection that was closed without a `close` event throws InvalidStateError here. Reopen
      // once; a second failure is real and goes to the caller.
      if (!(error instanceof DOMException && error.name === 'InvalidStateError')) throw error;
      forget(opening);
      transaction = (await getDB()).transaction(storeName, txMode);
    }
    return callback(transaction.objectStore(storeName));
  };

  return {
    use,
    close() {
      const opening = dbp;
      dbp = undefined;
      // Transactions already started finish first: IDBDatabase.close() waits for them.
      opening?.then(
        (db) => db.close(),
        () => undefined,
      );
    },
  };
}

/**
 * Deletes a database, waiting at most `ms` once it is blocked.
 *
 * Our own connections close on `versionchange`, so `blocked` means something outside Parlor holds the
 * database open. The browser keeps the deletion queued and completes it when that connection closes;
 * we stop waiting rather than hang a logout.
 */
export function deleteDatabase(factory: IDBFactory, name: string, ms: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const request = factory.deleteDatabase(name);
    request.onsuccess = () => {
      clearTimeout(timer);
      resolve();
    };
    request.onerror = () => {
      clearTimeout(timer);
      reject(request.error ?? new DOMException(`cannot delete IndexedDB "${name}"`, 'UnknownError'));
    };
    request.onblocked = () => {
      timer ??= setTimeout(resolve, ms);
    };
  });
}
