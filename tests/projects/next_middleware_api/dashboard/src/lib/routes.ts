// Pages of the dashboard.
export const ROUTES = {
  login: "/login",
  setup: "/setup",
  home: "/requests",
  usage: "/usage",
} as const;

export const API_DOCS_URL = "/docs/api";
