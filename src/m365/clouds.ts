/** The Microsoft clouds and their Graph and sign-in hosts: vendor facts that live with the adapter. */
export const CLOUDS = {
  public: { graph: 'https://graph.microsoft.com', login: 'https://login.microsoftonline.com' },
  usgov: { graph: 'https://graph.microsoft.com', login: 'https://login.microsoftonline.com' },
  usgovhigh: { graph: 'https://graph.microsoft.us', login: 'https://login.microsoftonline.us' },
  dod: { graph: 'https://dod-graph.microsoft.us', login: 'https://login.microsoftonline.us' },
  china: { graph: 'https://microsoftgraph.chinacloudapi.cn', login: 'https://login.chinacloudapi.cn' },
} as const;
export type Cloud = keyof typeof CLOUDS;
