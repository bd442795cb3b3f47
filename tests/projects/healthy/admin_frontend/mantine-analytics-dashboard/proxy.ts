import { NextResponse } from 'next/server';
import type { NextRequest } from 'next/server';
import { ROUTES, isPublicRoute } from '@/lib/routes';

export function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;
  if (isPublicRoute(pathname)) {
    return NextResponse.next();
  }
  if (!request.cookies.get('session-token')) {
    const url = new URL(ROUTES.signIn, request.url);
    url.searchParams.set('callbackUrl', pathname);
    return NextResponse.redirect(url);
  }
  return NextResponse.next();
}

export const config = {
  // Everything except Next's assets; which paths are public is decided by lib/routes.ts.
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
};
