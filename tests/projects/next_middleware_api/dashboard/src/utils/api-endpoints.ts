// Paths of the FastAPI backend (not pages of this app).
export const AUTH_ENDPOINTS = {
  SETUP_STATUS: "/auth/setup-status",
  LOGIN: "/auth/login",
  REFRESH: "/auth/refresh",
} as const;

export const MEMORY_ENDPOINTS = {
  BASE: "/memories",
  BY_ID: (id: string) => `/memories/${id}`,
} as const;
