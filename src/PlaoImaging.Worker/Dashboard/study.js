// study.js placeholder
