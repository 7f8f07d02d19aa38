// placeholder, written by the health helper
export {};
