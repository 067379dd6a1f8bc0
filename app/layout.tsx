import type { Metadata } from "next";
import localFont from "next/font/local";
import "./globals.css";

const inter = localFont({ src: "./fonts/inter-variable.woff2", variable: "--font-inter", display: "swap" });
const jetbrains = localFont({ src: "./fonts/jetbrains-mono-variable.woff2", variable: "--font-jetbrains", display: "swap" });

export const metadata: Metadata = {
  title: { default: "Vigil", template: "%s · Vigil" },
  description: "Tamper-evident audit logs for SaaS teams",
};

// Applies the saved theme (or the system's) before the first paint, so there's no flash.
const THEME_SCRIPT = `try{var t=localStorage.getItem("vigil-theme");var d=t==="dark"||(t!=="light"&&matchMedia("(prefers-color-scheme: dark)").matches);document.documentElement.classList.toggle("dark",d)}catch(e){}`;

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en" className={`${inter.variable} ${jetbrains.variable}`} suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body className="min-h-screen bg-white font-sans text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
        {children}
      </body>
    </html>
  );
}
