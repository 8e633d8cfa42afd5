/**
 * `PATCH /Groups/{id}` that only adds or removes members, the form Entra's provisioning (and
 * kb4sync) sends, answered without SCIMMY. SCIMMY coerces the whole group through its schema
 * several times per PATCH, about half a second of CPU for a 1,000-member group, and the sandbox
 * shares its process with the client under test; that cost belongs to no real service.
 * Anything else (other paths, replace, malformed bodies) goes on to SCIMMY unchanged.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import SCIMMY from 'scimmy';
import { z } from 'zod';
import type { SandboxAccount } from './account';
import { scimErrorBody } from './schemas';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const memberOperation = z.union([
  z.object({ op: z.string().regex(/^add$/i), path: z.literal('members'), value: z.array(z.object({ value: z.string().min(1) }).loose()).min(1) }),
  z.object({ op: z.string().regex(/^remove$/i), path: z.string().regex(/^members\[value eq "(?:[^"\\]|\\.)*"\]$/) }),
]);
const memberPatch = z.object({ schemas: z.array(z.string()).refine((s) => s.includes(PATCH_OP)), Operations: z.array(memberOperation).min(1) });

/** The member id in `members[value eq "…"]` (a JSON string literal). */
function removedValue(path: string): string {
  return JSON.parse(path.slice('members[value eq '.length, -1)) as string;
}

export function memberPatchHandler(accountOf: (req: Request) => SandboxAccount | undefined): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const match = req.method === 'PATCH' ? /^\/Groups\/([^/]+)$/.exec(req.path) : null;
    const parsed = match ? memberPatch.safeParse(req.body) : null;
    const account = accountOf(req);
    if (!match || !parsed?.success || !account) return next();
    try {
      const id = decodeURIComponent(match[1] as string);
      const group = account.scim.getGroup(id);
      const members = new Map(((group.members as { value: string }[] | undefined) ?? []).map((m) => [m.value, m]));
      for (const op of parsed.data.Operations) {
        if ('value' in op) for (const m of op.value) members.set(m.value, { value: m.value });
        else members.delete(removedValue(op.path));
      }
      // writeGroup checks every member is a user of the account and keeps Test Mode's log.
      account.scim.writeGroup(id, { ...group, members: [...members.values()] });
      res.status(204).end();
    } catch (err) {
      if (!(err instanceof SCIMMY.Types.Error)) throw err;
      res.status(err.status).type('application/scim+json').send(scimErrorBody(err.status, err.message, err.scimType));
    }
  };
}
