// One HTTP/2 connection (h2c, prior knowledge) to the gateway with `healthy` streams that read and `stuck` streams
// that stop reading after their hello: Node then sends no WINDOW_UPDATE for them, so their flow-control windows
// stay shut. Driven by Http2SlowStreamsTest; reports on stdout, one line each:
//   ready                      every stream has its hello
//   read <i> <count>           stream i has read <count> events of type m
//   healthy <i> <count>        stream i read <count> events of type m (when it reaches the target)
//   reset <i> <helloId>        stuck stream i was reset by the gateway; it had read up to its hello
// Usage: node stuck-streams.mjs <port> <healthy> <stuck> <events>
import http2 from 'node:http2';

const [port, healthy, stuck, events] = process.argv.slice(2).map(Number);
const session = http2.connect(`http://127.0.0.1:${port}`, { settings: { initialWindowSize: 65535 } });
session.on('connect', () => session.setLocalWindowSize(64 * 1024 * 1024));
session.on('error', e => console.log(`session-error ${e.message}`));
let hellos = 0;
const deadline = setTimeout(() => { console.log('timeout'); process.exit(2); }, 120_000);

function open(i, reads) {
  const stream = session.request({ ':path': '/events?topic=s', accept: 'text/event-stream' });
  stream.setEncoding('utf8');
  let buffer = '';
  let helloId = null;
  let count = 0;
  let id = null;
  let type = null;
  stream.on('data', chunk => {
    buffer += chunk;
    let end;
    while ((end = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
      if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('event: ')) type = line.slice(7);
      else if (line === '') {
        if (type === 'hello' && helloId === null) {
          helloId = id;
          if (++hellos === healthy + stuck) console.log('ready');
          if (!reads) {
            stream.pause(); // stops reading: no more WINDOW_UPDATE for this stream
            watchReset();
            return;
          }
        } else if (type === 'm' && ++count === events) {
          console.log(`healthy ${i} ${count}`);
        }
        if (type === 'm') console.log(`read ${i} ${count}`);
        type = null;
      }
    }
  });
  function watchReset() {
    // a paused stream emits no 'close' until read: its state tells when the gateway reset it
    const watch = setInterval(() => {
      if (stream.closed || stream.destroyed) {
        clearInterval(watch);
        console.log(`reset ${i} ${helloId} ${stream.rstCode}`);
      }
    }, 50);
  }
  stream.on('error', () => {});
}

for (let i = 0; i < healthy + stuck; i++) open(i, i < healthy);
process.stdin.on('data', () => { clearTimeout(deadline); session.close(); process.exit(0); });
