/**
 * A throw-away certificate for the sandbox's HTTPS identity endpoint (@azure/identity refuses
 * http authorities). Made at start-up, valid for 127.0.0.1 and localhost only.
 */
import { Agent } from 'node:https';
import { generate } from 'selfsigned';

export interface SandboxTls {
  key: string;
  cert: string;
  /** The PEM a client must trust: the certificate is its own CA. */
  ca: string;
}

export async function makeSandboxCertificate(commonName = 'kb4sync-sandbox'): Promise<SandboxTls> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    notAfterDate: new Date(Date.now() + 2 * 24 * 3600_000),
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', keyCertSign: true, digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
    ],
  });
  return { key: pems.private, cert: pems.cert, ca: pems.cert };
}

/** An https Agent that trusts exactly this CA (plus nothing else), for the identity client. */
export function trustingAgent(ca: string): Agent {
  return new Agent({ ca, keepAlive: false });
}
