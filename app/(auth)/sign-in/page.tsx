import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getConsoleSession } from "@/lib/auth/session";
import { safeReturnPath } from "@/lib/auth/return-path";
import { SignInForm } from "@/components/auth/sign-in-form";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  // Only same-site paths: an open redirect would make the sign-in page a phishing helper.
  const callbackUrl = safeReturnPath(params.callbackUrl);
  if (await getConsoleSession()) redirect(callbackUrl);
  const error = typeof params.error === "string" ? params.error : undefined;
  return <SignInForm callbackUrl={callbackUrl} initialError={error} />;
}
