import { NextRequest, NextResponse } from "next/server";
import { AUTH_ENDPOINTS, MEMORY_ENDPOINTS } from "@/utils/api-endpoints";
import { ROUTES } from "@/lib/routes";
import { getServerApiUrl } from "@/lib/server-api-url";

const PUBLIC_PATHS = ["/_next", "/fonts", "/favicon"];

export async function middleware(request: NextRequest) {
  const { pathname } = request.nextUrl;
  if (PUBLIC_PATHS.some((p) => pathname.startsWith(p))) {
    return NextResponse.next();
  }
  if (pathname === ROUTES.login || pathname === ROUTES.setup) {
    const res = await fetch(`${getServerApiUrl()}${AUTH_ENDPOINTS.SETUP_STATUS}`);
    if (res.ok && (await res.json()).needsSetup) {
      return NextResponse.redirect(new URL(ROUTES.setup, request.url));
    }
    return NextResponse.next();
  }
  await fetch(getServerApiUrl() + MEMORY_ENDPOINTS.BASE, { method: "HEAD" });
  if (!request.cookies.has("refresh_token")) {
    return NextResponse.redirect(new URL(ROUTES.login, request.url));
  }
  if (pathname === "/") {
    return NextResponse.redirect(new URL(ROUTES.home, request.url));
  }
  return NextResponse.next();
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
