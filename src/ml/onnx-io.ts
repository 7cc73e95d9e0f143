/** The names of an exported model's input and output tensors: what the exporter writes and inference reads. */
export const ONNX_INPUT = 'features';
export const ONNX_OUTPUT = 'probability';
