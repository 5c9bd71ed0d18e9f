// Tests read many JSON bodies whose shape they assert field by field; `unknown` would only add casts.
declare global {
  interface Response {
    json(): Promise<any>;
  }
}
export {};
