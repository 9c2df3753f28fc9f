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
