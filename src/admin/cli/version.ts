import packageJson from '../../../package.json' with { type: 'json' };

/** The version from package.json, the single place it is written. */
export const bulwarkVersion: string = packageJson.version;
