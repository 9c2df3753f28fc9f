import { useEffect, useRef } from 'react';
import { FieldError } from './fields';

interface Turnstile {
  render(element: HTMLElement, options: { sitekey: string; callback: (token: string) => void; 'expired-callback': () => void; 'error-callback': () => void }): string;
}
declare global {
  interface Window {
    turnstile?: Turnstile;
  }
}

const SCRIPT = 'https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit';

let loading: Promise<Turnstile> | undefined;
function loadTurnstile(): Promise<Turnstile> {
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = SCRIPT;
    script.async = true;
    script.onload = () => (window.turnstile ? resolve(window.turnstile) : reject(new Error('Turnstile did not load')));
    script.onerror = () => reject(new Error('Turnstile did not load'));
    document.head.append(script);
  });
  return loading;
}

/** Cloudflare Turnstile's check that a person fills the form (the server verifies its answer). */
export function Captcha({ siteKey, onToken, error }: { siteKey: string; onToken: (token: string) => void; error?: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let rendered = false;
    loadTurnstile()
      .then((turnstile) => {
        if (!box.current || rendered) return;
        rendered = true;
        turnstile.render(box.current, { sitekey: siteKey, callback: onToken, 'expired-callback': () => onToken(''), 'error-callback': () => onToken('') });
      })
      .catch(() => onToken(''));
  }, [siteKey, onToken]);
  return (
    <div className="field">
      <div ref={box} aria-describedby="captchaToken-error" />
      <FieldError id="captchaToken-error" message={error} />
    </div>
  );
}
