import { expect } from '@open-wc/testing';
import { version } from 'react';
import { version as domVersion } from 'react-dom';
import { version as serverVersion } from 'react-dom/server';
import { pageReact } from '../test/browser-helpers.js';

describe('the React under test', () => {
  it('is the version this run is for, react and react-dom alike', () => {
    expect(version, 'react').to.match(new RegExp(`^${pageReact}\\.`));
    expect(domVersion, 'react-dom').to.equal(version);
    expect(serverVersion, 'react-dom/server').to.equal(version);
  });
});
