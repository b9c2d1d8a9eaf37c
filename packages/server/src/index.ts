/** @salvage/server: the web UI and HTTP API over @salvage/repo-core (see the server issue). */
export const serverVersion = '0.1.0';
