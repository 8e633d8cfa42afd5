/** The part of a company's configuration the pure core reads. */
import { effectiveMapping, type CompanyRules } from '../sync';
import type { CompanyConfig } from './schema';

export function companyRules(company: CompanyConfig): CompanyRules {
  return {
    id: company.id,
    name: company.name,
    scope: company.scope,
    emailSource: company.emailSource,
    mapping: effectiveMapping(company.attributes),
    syncManagers: company.syncManagers,
    groups: {
      default: company.groups.default ?? null,
      departments: company.groups.departments,
      mirror: company.groups.mirror,
    },
    removeStaleUsers: company.removeStaleUsers,
    guard: company.guard,
  };
}
