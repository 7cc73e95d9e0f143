/** A refusal in Binance's shape: HTTP status + {"code": -NNNN, "msg": "..."}. */
export class BinanceReject extends Error {
  constructor(
    readonly code: number,
    readonly msg: string,
    readonly status: number = 400,
  ) {
    super(`${code} ${msg}`);
  }
}

export function reject(code: number, msg: string, status = 400): never {
  throw new BinanceReject(code, msg, status);
}

export const MSG = {
  mandatory: (name: string) => `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`,
  invalidSymbol: 'Invalid symbol.',
  orderNotFound: 'Order does not exist.',
  unknownOrder: 'Unknown order sent.',
  margin: 'Margin is insufficient.',
  reduceOnly: 'ReduceOnly Order is rejected.',
  duplicateId: 'ClientOrderId is duplicated.',
  badClientId: 'Client order id is not valid.',
  wouldTrigger: 'Order would immediately trigger.',
  postOnly: 'Due to the order could not be executed as maker, the Post Only order will be rejected.',
  timestamp: 'Timestamp for this request is outside of the recvWindow.',
  signature: 'Signature for this request is not valid.',
  apiKeyFormat: 'API-key format invalid.',
  apiKeyInvalid: 'Invalid API-key, IP, or permissions for action.',
  listenKey: 'This listenKey does not exist.',
  minNotional: (notional: number) => `Order's notional must be no smaller than ${notional} (unless you choose reduce only).`,
} as const;
