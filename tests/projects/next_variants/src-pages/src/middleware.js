import { NextResponse } from "next/server";

/* Paths under these prefixes need a session.
   '/not-a-path-in-a-comment' must be ignored. */
const PROTECTED = ["/account", "/orders", `/checkout`];

export function middleware(req) {
  const { pathname } = req.nextUrl;
  if (pathname === "/login" || pathname.startsWith("/docs/")) return NextResponse.next();
  const re = /\/(beta)\//; // a regex literal, not a path
  if (PROTECTED.some((p) => pathname.startsWith(p)) && !req.cookies.get("sid")) {
    return NextResponse.redirect(new URL("/login", req.url));
  }
  return re.test(pathname) ? NextResponse.rewrite(new URL(`/beta${pathname}`, req.url)) : NextResponse.next();
}

export const config = {
  matcher: ["/account/:path*", "/orders/:id", "/checkout/:path*"],
};
