/** The runnable node: the launcher of the fat jar and the verticle that wires every module from the conf. */
package dev.ssegateway.app;
