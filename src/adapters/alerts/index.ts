export * from './channels.js';
export * from './dispatcher.js';
export * from './telegram-commands.js';
