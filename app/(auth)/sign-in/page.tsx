import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getConsoleSession } from "@/lib/auth/session";
import { SignInForm } from "@/components/auth/sign-in-form";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

/** Only same-site paths: an open redirect would make the sign-in page a phishing helper. */
function safeCallback(value: string | string[] | undefined): string {
  const v = Array.isArray(value) ? value[0] : value;
  return v && /^\/(?!\/)[^\s\\]*$/.test(v) ? v : "/events";
}

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  if (await getConsoleSession()) redirect(safeCallback(params.callbackUrl));
  const error = typeof params.error === "string" ? params.error : undefined;
  return <SignInForm callbackUrl={safeCallback(params.callbackUrl)} initialError={error} />;
}
