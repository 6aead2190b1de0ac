// One IMAPS login with imapflow, as a mail client would: true if the server let it in.
import { ImapFlow } from 'imapflow';

export async function imapLogin(port: number, user: string, pass: string): Promise<boolean> {
  const client = new ImapFlow({ host: '127.0.0.1', port, secure: true, tls: { rejectUnauthorized: false }, auth: { user, pass }, logger: false });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.logout();
    return true;
  } catch {
    return false;
  }
}
