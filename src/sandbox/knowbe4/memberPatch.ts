/**
 * `PATCH /Groups/{id}` in Entra's shapes: `Add` / `Remove` with `path: "members"` and a list of
 * `{value}`, `Replace` of `displayName` or `externalId`. The RFC's `members[value eq "…"]` removal
 * path is accepted only by an account that opts in (`memberFilterPath`). Answered without SCIMMY,
 * which coerces the whole group several times per PATCH (half a second of CPU for 1,000 members).
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { SandboxAccount } from './account';
import { ProfileError } from './userPatch';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const FILTER_PATH = /^members\[value eq ("(?:[^"\\]|\\.)*")\]$/;

const memberList = z.array(z.strictObject({ value: z.string().min(1), $ref: z.null().optional() })).min(1);
const operation = z.union([
  z.strictObject({ op: z.string().regex(/^(add|remove)$/i), path: z.literal('members'), value: memberList }),
  z.strictObject({ op: z.string().regex(/^remove$/i), path: z.string().regex(FILTER_PATH) }),
  z.strictObject({ op: z.string().regex(/^replace$/i), path: z.enum(['displayName', 'externalId']), value: z.string().min(1) }),
]);
const body = z.strictObject({ schemas: z.tuple([z.literal(PATCH_OP)]), Operations: z.array(operation).min(1) });

export function groupPatchHandler(): (req: Request, res: Response, account: SandboxAccount, id: string) => void {
  return (req, res, account, id) => {
    const parsed = body.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const scimType = issue?.path.includes('path') ? 'invalidPath' : 'invalidSyntax';
      throw new ProfileError(400, scimType, `PATCH /Groups outside the Entra profile${issue?.path.length ? ` at ${issue.path.join('.')}` : ''}: ${issue?.message ?? 'invalid'}`);
    }
    const group = account.scim.getGroup(id);
    const members = new Map(((group.members as { value: string }[] | undefined) ?? []).map((m) => [m.value, m]));
    const next = { ...group };
    for (const op of parsed.data.Operations) {
      const kind = op.op.toLowerCase();
      if ('value' in op && typeof op.value === 'string') {
        next[op.path] = op.value;
      } else if ('value' in op && Array.isArray(op.value)) {
        for (const m of op.value) {
          if (kind === 'add') members.set(m.value, { value: m.value });
          else members.delete(m.value);
        }
      } else {
        if (!account.memberFilterPath) throw new ProfileError(400, 'invalidPath', `${op.path}: remove members with path "members" and a value list`);
        members.delete(JSON.parse((FILTER_PATH.exec(op.path) as RegExpExecArray)[1] as string) as string);
      }
    }
    // writeGroup checks every member is a user of the account and keeps Test Mode's log.
    account.scim.writeGroup(id, { ...next, members: [...members.values()] });
    res.status(204).end();
  };
}
