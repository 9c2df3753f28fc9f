import type { Deps } from '../../functions/deps';
import type { OutgoingMail } from '../../functions/providers/mail';

/** The real mail adapter with its sending replaced: what would have gone to whom, nothing suppressed. */
export function recordingMail(real: Deps['mail']): { mail: Deps['mail']; sent: OutgoingMail[] } {
  const sent: OutgoingMail[] = [];
  const mail = Object.create(real) as Deps['mail'];
  mail.send = async (outgoing: OutgoingMail) => {
    sent.push(outgoing);
    return `m-${sent.length}`;
  };
  mail.suppressedAmong = async () => [];
  return { mail, sent };
}
