/** Where tenant instances live in production: <subdomain>.<APP_DOMAIN>, staging at <subdomain>-stg. */
export const APP_DOMAIN = 'spaceos.io';
export const DEFAULT_PRIMARY_COLOR = '#4f46e5';
export const TRIAL_DAYS = 14;
