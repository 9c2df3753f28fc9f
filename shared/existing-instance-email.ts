import { MAGIC_LINK_MINUTES } from './auth';
import type { Email } from './emails';
import { fixedTextEmail } from './fixed-text-email';

export const EXISTING_INSTANCE_SUBJECT = 'Your email address already has a spaceOS instance';

/**
 * To the admin of a confirmed instance when someone signs up again with their address (they forgot,
 * or someone is probing): a sign-in link instead of a second trial. Fixed text only, like the
 * verification mail: nothing typed into the signup form (which anyone can fill in with this
 * address) reaches it, nor the instance's own names (signing in shows them).
 */
export const existingInstanceEmail = ({ signInUrl }: { signInUrl: string }): Email =>
  fixedTextEmail({
    subject: EXISTING_INSTANCE_SUBJECT,
    paragraphs: [
      'Someone (we hope you) just tried to sign up for a spaceOS trial with this email address. It already has a spaceOS instance, so nothing new was set up.',
      `To get back to your instance, sign in with the link below. It works once, for ${MAGIC_LINK_MINUTES} minutes; the sign-in page sends a new one whenever you need it.`,
    ],
    action: { href: signInUrl, label: 'Sign in to my instance' },
    footnote: 'If it was not you, ignore this mail: your instance is unchanged, and nobody can sign in without this link.',
  });

export const REMOVED_INSTANCE_SUBJECT = 'Your email address cannot start a new spaceOS trial yet';

/**
 * To the address of an instance that was removed recently (its claims are kept for a cooling-off
 * time) when someone signs up with it again: the same 202 as any taken address gets, so the answer
 * does not tell that the address was a customer's, and this fixed text tells the real owner why
 * nothing was set up.
 */
export const removedInstanceEmail = ({ siteUrl }: { siteUrl: string }): Email =>
  fixedTextEmail({
    subject: REMOVED_INSTANCE_SUBJECT,
    paragraphs: [
      'Someone (we hope you) just tried to sign up for a spaceOS trial with this email address. A spaceOS instance of this address was removed recently, so nothing new was set up.',
      'The address can start a new trial once that removal is complete: at once for a signup that was never confirmed, 30 days after the removal for an instance that was in use. To come back sooner, reply to this mail or sign up with another address.',
    ],
    action: { href: siteUrl, label: 'Go to spaceOS' },
    footnote: 'If it was not you, ignore this mail: nothing was set up and nothing changed.',
  });
