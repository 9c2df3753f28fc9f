/** One mail as aws-ses-v2-local keeps it (GET /store). */
export interface SentMail {
  subject: string;
  from: string;
  destination: { to: string[] };
  body: { text: string; html?: string };
}

export async function mailTo(sesEndpoint: string, address: string): Promise<SentMail[]> {
  const { emails } = (await (await fetch(`${sesEndpoint}/store`)).json()) as { emails: SentMail[] };
  return emails.filter((mail) => mail.destination.to.includes(address));
}

/** Waits for a mail to `address` whose subject matches, newest first. */
export async function waitForMail(sesEndpoint: string, address: string, subject: RegExp, timeoutMs = 30_000): Promise<SentMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mail = (await mailTo(sesEndpoint, address)).reverse().find((m) => subject.test(m.subject));
    if (mail) return mail;
    if (Date.now() > deadline) throw new Error(`No mail "${subject}" to ${address} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const signInLinkIn = (mail: SentMail): string => {
  const match = /(https?:\/\/\S+\/signin\?token=[A-Za-z0-9_-]+)/.exec(mail.body.text);
  if (!match?.[1]) throw new Error(`No sign-in link in "${mail.subject}"`);
  return match[1];
};
