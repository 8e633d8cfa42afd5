/**
 * A throw-away certificate for the sandbox's HTTPS identity endpoint (@azure/identity refuses
 * http authorities). Made at start-up, valid for 127.0.0.1 and localhost only.
 */
import { Agent } from 'node:https';
import { createRequire } from 'node:module';

// selfsigned 2.x ships a .d.ts without exports, so it is loaded untyped and given this shape.
interface SelfsignedModule {
  generate(
    attrs: { name: string; value: string }[],
    opts: { days: number; keySize: number; algorithm: string; extensions: object[] },
  ): { private: string; public: string; cert: string };
}
const selfsigned = createRequire(__filename)('selfsigned') as SelfsignedModule;

export interface SandboxTls {
  key: string;
  cert: string;
  /** The PEM a client must trust: the certificate is its own CA. */
  ca: string;
}

export function makeSandboxCertificate(commonName = 'kb4sync-sandbox'): SandboxTls {
  const pems = selfsigned.generate([{ name: 'commonName', value: commonName }], {
    days: 2,
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
