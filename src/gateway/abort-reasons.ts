/** Why an exchange lets go of an attempt (its abort reason); made once, as a request may abort several. */
export const clientStalled = new Error('client stopped reading for longer than the idle timeout');
export const clientClosed = new Error('client closed the connection');
export const retrying = new Error('response discarded for a retry');
export const totalTimeout = new Error('route total timeout');
