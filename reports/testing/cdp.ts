/**
 * A small Chrome DevTools Protocol client over Deno's built-in WebSocket: commands with replies,
 * and event listeners. Enough to drive headless Chromium in the report's browser test.
 *
 * @module
 */

/** A CDP event. */
export interface CdpEvent {
  /** e.g. `Runtime.consoleAPICalled`. */
  method: string;
  /** The event's parameters. */
  params: Record<string, unknown>;
  /** The session it belongs to (flattened target sessions). */
  sessionId?: string;
}

/** One WebSocket connection to a browser's DevTools endpoint. */
export class CdpConnection {
  #socket: WebSocket;
  #next = 1;
  #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  #listeners: ((event: CdpEvent) => void)[] = [];

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.onmessage = (message) => {
      const data = JSON.parse(String(message.data));
      if (typeof data.id === "number") {
        const pending = this.#pending.get(data.id);
        this.#pending.delete(data.id);
        if (data.error) pending?.reject(new Error(`CDP: ${data.error.message}`));
        else pending?.resolve(data.result);
      } else {
        for (const listener of this.#listeners) listener(data as CdpEvent);
      }
    };
    socket.onclose = () => {
      for (const pending of this.#pending.values()) pending.reject(new Error("CDP socket closed"));
      this.#pending.clear();
    };
  }

  /** Opens a connection to `url` (`ws://127.0.0.1:PORT/devtools/browser/…`). */
  static connect(url: string): Promise<CdpConnection> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.onopen = () => resolve(new CdpConnection(socket));
      socket.onerror = (event) =>
        reject(new Error(`cannot connect to ${url}: ${(event as ErrorEvent).message ?? "error"}`));
    });
  }

  /** Sends a command and waits for its result. */
  send<T = Record<string, unknown>>(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#socket.send(
        JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }),
      );
    });
  }

  /** Calls `listener` for every event. */
  onEvent(listener: (event: CdpEvent) => void): void {
    this.#listeners.push(listener);
  }

  /** Waits for the first event matching `test`, or fails after `ms`. */
  waitFor(test: (event: CdpEvent) => boolean, ms: number): Promise<CdpEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching CDP event in ${ms} ms`)), ms);
      this.onEvent((event) => {
        if (test(event)) {
          clearTimeout(timer);
          resolve(event);
        }
      });
    });
  }

  /** Closes the socket and waits until it is closed. */
  close(): Promise<void> {
    if (this.#socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.#socket.addEventListener("close", () => resolve());
      this.#socket.close();
    });
  }
}
