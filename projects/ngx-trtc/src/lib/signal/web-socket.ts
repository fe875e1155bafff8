/** Opens a WebSocket; injectable so tests can hand out a fake (`FakeRoomServer`). */
export type WebSocketFactory = (url: string) => WebSocket;

/** The browser's WebSocket. */
export const browserWebSocketFactory: WebSocketFactory = (url) => new WebSocket(url);
