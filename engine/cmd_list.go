package engine

var listCommands = []cmdDef{}
