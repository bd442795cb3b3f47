import { NextRequest, NextResponse } from "next/server";

export function proxy(request: NextRequest) {
  const raw = request.nextUrl.pathname;
  const pathname = raw === "/m" ? "/" : raw.startsWith("/m/") ? raw.slice(2) : raw;
  if (pathname === "/chat" || pathname === "/inbox") {
    return NextResponse.next();
  }
  return NextResponse.redirect(new URL("/m/chat", request.url));
}
