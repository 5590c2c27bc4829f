import { runMain, YolovmError } from '../errors.js';

runMain(() => Promise.reject(new YolovmError('git-yolo-push is not implemented yet', 'Use the yolovm:: remote with plain git for now.')));
