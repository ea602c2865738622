// The shared worker every tab of the dashboard joins: it holds the browser's ONE event stream
// (events.js) and passes each event and status to every tab. Browsers allow six connections per
// host; a stream per tab would leave a seventh tab unable to load and a chat waiting behind a log
// follow. Tabs send { token } when they join (the newest token wins: a tab opened from a restarted
// dashboard's URL brings it) and { bye: true } when they leave.
import { connectEvents } from "/assets/events.js";

const ports = new Set();
let token = null;
let connection = null;
/** The last status and hello, for tabs that join later. */
let status = { kind: "status", status: "connecting" };
let hello = null;

function fan(message) {
  for (const port of ports) port.postMessage(message);
}

self.onconnect = (e) => {
  const port = e.ports[0];
  ports.add(port);
  port.onmessage = (m) => {
    if (m.data.bye) {
      ports.delete(port);
      return;
    }
    if (m.data.token && m.data.token !== token) {
      token = m.data.token;
      if (connection) connection.reconnect();
      else
        connection = connectEvents(
          () => token,
          (event, data) => {
            if (event === "hello") hello = { kind: "event", event, data };
            fan({ kind: "event", event, data });
          },
          (s, detail) => {
            status = { kind: "status", status: s, detail };
            fan(status);
          },
        );
    }
    port.postMessage(status);
    if (hello) port.postMessage(hello);
  };
  port.start();
};
