/** The credential-fix catalogue and its alert: what the admin who holds the credential must do. */
import { z } from 'zod';
import { render, type CardJson } from './render';
import { plain, truncate } from './text';

export type CredentialProblem = 'graphSecretExpired' | 'graphCertificate' | 'graphConsent' | 'scimTokenRevoked' | 'reportingToken';

/** What to do about each credential failure, in the words of the admin who has to do it. */
export const CREDENTIAL_FIXES: Record<CredentialProblem, { system: string; fix: string }> = {
  graphSecretExpired: {
    system: 'Microsoft Graph',
    fix: 'In Entra ID > App registrations > the kb4sync app > Certificates & secrets, create a new client secret, put it in the environment variable named below and restart kb4sync.',
  },
  graphCertificate: {
    system: 'Microsoft Graph',
    fix: 'Upload a new certificate to the kb4sync app registration in Entra ID, point the certificate path in the variable named below to it, and restart kb4sync.',
  },
  graphConsent: {
    system: 'Microsoft Graph',
    fix: 'A Global Administrator of the tenant must grant admin consent to the kb4sync app (User.Read.All, GroupMember.Read.All, Organization.Read.All).',
  },
  scimTokenRevoked: {
    system: 'KnowBe4 SCIM',
    fix: 'In KnowBe4 > Account Settings > User Management > SCIM, generate a new token, put it in the environment variable named below and restart kb4sync. Generating a token revokes the old one.',
  },
  reportingToken: {
    system: 'KnowBe4 Reporting API',
    fix: 'In KnowBe4 > Account Settings > API, create a new Reporting API token and put it in the environment variable named below.',
  },
};

export interface CredentialAlertInput {
  company: string;
  problem: CredentialProblem;
  message: string;
  /** Name of the environment variable that holds the credential (never its value). */
  envVar?: string;
  link?: { title: string; url: string };
}

export function credentialAlertCard(input: CredentialAlertInput): CardJson {
  const known = CREDENTIAL_FIXES[input.problem];
  const url = input.link ? z.url({ protocol: /^https?$/ }).parse(input.link.url) : '';
  return render('credentialAlert', {
    company: plain(input.company, 80),
    message: plain(input.message, 500),
    fix: plain(known.fix, 500),
    facts: [
      { title: 'Company', value: plain(input.company, 80) },
      { title: 'System', value: known.system },
      ...(input.envVar ? [{ title: 'Variable', value: plain(input.envVar, 80) }] : []),
    ],
    hasLink: url !== '',
    linkTitle: input.link ? truncate(input.link.title, 40) : '',
    linkUrl: url,
  });
}
