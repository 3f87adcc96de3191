global using Portal.Events;
global using Portal.Identity;
