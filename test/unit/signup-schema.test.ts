import { describe, expect, it } from 'vitest';
import { fieldErrors, signupSchema } from '../../shared/signup';
import { subdomainProblem } from '../../shared/subdomain';

const valid = {
  companyName: '  Acme Spaces ',
  subdomain: 'Acme-Spaces',
  adminName: 'Anna Admin',
  adminEmail: ' Anna@Acme.COM ',
  primaryColor: '#FF5500',
  acceptTerms: true,
};

const errorsFor = (input: unknown) => {
  const result = signupSchema.safeParse(input);
  return result.success ? {} : fieldErrors(result.error);
};

describe('signup schema', () => {
  it('accepts a complete form and normalises what people type', () => {
    expect(signupSchema.parse(valid)).toEqual({
      companyName: 'Acme Spaces',
      subdomain: 'acme-spaces',
      adminName: 'Anna Admin',
      adminEmail: 'anna@acme.com',
      primaryColor: '#ff5500',
      acceptTerms: true,
    });
  });

  it('names every missing field', () => {
    expect(Object.keys(errorsFor({})).sort()).toEqual(['acceptTerms', 'adminEmail', 'adminName', 'companyName', 'primaryColor', 'subdomain']);
  });

  it.each([
    ['companyName', 'A', /at least 2/],
    ['companyName', 'x'.repeat(81), /at most 80/],
    ['adminEmail', 'anna@', /valid email/],
    ['primaryColor', 'red', /#1a73e8/],
    ['primaryColor', '#12345', /#1a73e8/],
    ['acceptTerms', false, /accept the terms/],
    ['website', 'http://spam.example', /empty/],
  ])('rejects %s = %j with a readable message', (field, value, message) => {
    expect(errorsFor({ ...valid, [field]: value })[field]).toMatch(message);
  });

  it('counts the company name after trimming', () => {
    expect(errorsFor({ ...valid, companyName: '   A   ' }).companyName).toMatch(/at least 2/);
  });

  it.each([
    ['companyName', 'Acme\u0000Spaces', /Company name can't contain invisible or control characters \(U\+0000\)/],
    ['companyName', 'Acme\r\nBcc: victim@example.com', /Company name must be on one line/],
    ['adminName', 'Anna\nAdmin', /Your name must be on one line/],
    ['companyName', 'Acme\u202Emoc.evil', /Company name can't contain characters that change the text direction \(U\+202E\)/],
    ['adminName', 'Anna\u2066Admin', /text direction \(U\+2066\)/],
    ['companyName', 'Ac\u200Bme', /invisible or control characters \(U\+200B\)/],
    ['companyName', 'Acme\u007FSpaces', /\(U\+007F\)/],
    ['companyName', 'Acme\u0085Spaces', /on one line/],
    ['companyName', 'Acme\tSpaces', /tabs/],
  ])('refuses %s = %j with a field error saying why', (field, value, message) => {
    const errors = errorsFor({ ...valid, [field]: value });
    expect(Object.keys(errors)).toEqual([field]);
    expect(errors[field]).toMatch(message);
  });

  it.each(['Café Zürich', 'Łódź Coworking', 'Østerbro Ærø', '東京オフィス', 'مساحة العمل', 'שטח עבודה\u200F Acme', 'Rocket 🚀 Spaces', 'Team 👩\u200D💻 Hub', 'Flag 🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F} Works'])(
    'accepts the company name %j as typed',
    (companyName) => {
      expect(signupSchema.parse({ ...valid, companyName }).companyName).toBe(companyName);
    },
  );
});

describe('subdomain rules', () => {
  it.each([
    ['ab', /at least 3/],
    ['a'.repeat(31), /at most 30/],
    ['acme_spaces', /lowercase letters, digits and hyphens/],
    ['acme.spaces', /lowercase letters, digits and hyphens/],
    ['-acme', /start or end with a hyphen/],
    ['acme-', /start or end with a hyphen/],
    ['ac--me', /two hyphens/],
    ['acme-stg', /staging/],
    ['www', /reserved/],
    ['api', /reserved/],
    ['billing', /reserved/],
    ['staging', /reserved/],
    ['support', /reserved/],
  ])('%s is refused: %s', (name, message) => {
    expect(subdomainProblem(name)).toMatch(message);
  });

  it.each(['acme', 'acme-spaces', 'a1b', 'x'.repeat(30), 'stg-acme', 'staging-acme', '123'])('%s is allowed', (name) => {
    expect(subdomainProblem(name)).toBeUndefined();
  });
});
