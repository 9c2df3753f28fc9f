import { lazy } from 'react';

// Pages other than signup load on demand so a visitor who only signs up does not download them.
export const loadStatusPage = () => import('./StatusPage');

export const StatusPage = lazy(() => loadStatusPage().then((m) => ({ default: m.StatusPage })));
export const UpgradePage = lazy(() => import('./UpgradePage').then((m) => ({ default: m.UpgradePage })));
export const SignInPage = lazy(() => import('./SignInPage').then((m) => ({ default: m.SignInPage })));
export const SettingsPage = lazy(() => import('./SettingsPage').then((m) => ({ default: m.SettingsPage })));
