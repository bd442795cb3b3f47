// The one place that lists the admin's routes: pages, links and the proxy import from here.
export const ROUTES = {
  signIn: '/auth/signin',
  signUp: '/auth/signup',
  resetPassword: '/auth/reset-password',
  dashboard: '/dashboard',
  products: '/products',
} as const;

export const PUBLIC_ROUTES: readonly string[] = [
  ROUTES.signIn,
  ROUTES.signUp,
  ROUTES.resetPassword,
  '/api/auth',
];

export function isPublicRoute(pathname: string): boolean {
  return PUBLIC_ROUTES.some((route) => pathname === route || pathname.startsWith(`${route}/`));
}
