// COMPRESS DEFLATE (RFC 4978): the tagged OK goes out uncompressed, then both directions are
// raw deflate (RFC 1951) for the rest of the connection, with node:zlib (connection.ts).
import { line } from '../protocol/compiler.js';
import { no } from '../replies.js';
import { AUTHENTICATED, defineCommand } from './command.js';

export const compress = defineCommand({
  name: 'COMPRESS',
  states: AUTHENTICATED,
  parse(cur) {
    cur.sp();
    return { mechanism: cur.atom().toUpperCase() };
  },
  async run(session, { mechanism }, ctx) {
    if (session.conn.compressed) return no('Compression is already active', 'COMPRESSIONACTIVE');
    if (mechanism !== 'DEFLATE') return no(`Unknown compression mechanism ${mechanism}`, 'CANNOT');
    await session.send(line(`${ctx.tag} OK DEFLATE active`));
    session.conn.startCompression();
    return { status: 'OK', text: '', silent: true };
  },
});
