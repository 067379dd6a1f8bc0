import nodemailer from "nodemailer";
import { env } from "@/lib/env";

/** One e-mail through SMTP_URL (the monthly reports and invitations share it). */
export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
  attachments?: { filename: string; content: Buffer }[];
}

export function smtpConfigured(): boolean {
  return Boolean(env().SMTP_URL);
}

export async function sendSmtp(m: MailMessage): Promise<void> {
  const url = env().SMTP_URL;
  if (!url) throw new Error("SMTP_URL is not set");
  const transport = nodemailer.createTransport(url);
  try {
    await transport.sendMail({ from: env().SMTP_FROM, to: m.to, subject: m.subject, text: m.text, attachments: m.attachments ?? [] });
  } finally {
    transport.close();
  }
}
