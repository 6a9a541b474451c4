// COMPRESS (RFC 4978 3): DEFLATE, in the authenticated and selected states, once per connection.
// The tagged OK goes out uncompressed; everything after it, both ways, is raw deflate.
import { Code } from '../codes';
import { AUTHENTICATED, bad, command, no, type Completion } from './types';

const compress = command({
  states: AUTHENTICATED,
  parse(r) {
    r.sp();
    return r.atom().toUpperCase();
  },
  async handle(s, mechanism: string): Promise<Completion> {
    if (mechanism !== 'DEFLATE') return bad('Unknown compression mechanism');
    if (s.compressed) return no(Code.COMPRESSIONACTIVE, 'DEFLATE active via COMPRESS');
    return { status: 'OK', text: 'DEFLATE active', after: async () => s.startCompression() };
  },
});

export const compressCommands = { COMPRESS: compress };
